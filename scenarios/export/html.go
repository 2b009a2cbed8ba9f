package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// MaxHTMLCells is the most offsets per partition the HTML export draws;
// later ones are left out (with a note).
const MaxHTMLCells = 300

// change is a value from a step on: [step, value...].
type change []any

// htmlData is what the page's script steps through. Every per-cell and
// per-column list holds only the steps where the shown value changes.
type htmlData struct {
	Title   string     `json:"title"`
	Steps   []htmlStep `json:"steps"`
	Narr    []string   `json:"narr"`
	Moments []int      `json:"moments"`
	// Parts are the cells of every group's partitions: by group, then
	// partition.
	Parts []htmlPart `json:"parts"`
	// Lanes are the swimlanes: name and, per column, its changes.
	Lanes []htmlLane `json:"lanes"`
	Axis  []string   `json:"axis"` // labels every AxisStep columns
	Dur   int64      `json:"dur_ms"`
	// LaneLegend explains the lane marks.
	LaneLegend string `json:"lane_legend"`
}

type htmlStep struct {
	T    string `json:"t"`
	At   int64  `json:"at_ms"`
	Ev   string `json:"ev"`
	Why  string `json:"why"`
	Narr int    `json:"narr"` // index in Narr, -1: none
	// Cur is the cell the step is about: [index in Parts, offset], or
	// empty.
	Cur []int64 `json:"cur,omitempty"`
}

type htmlPart struct {
	Group string `json:"group"`
	Name  string `json:"name"`
	// Fates holds, per offset, its [step, fate] changes.
	Fates [][]change `json:"fates"`
	// Head is the header line's [step, text] changes; Marks the marker
	// row's [step, [offset, marks]...] changes.
	Head []change `json:"head"`
	Mark []change `json:"marks"`
	More int64    `json:"more"` // offsets not drawn
}

type htmlLane struct {
	Name string     `json:"name"`
	Cols [][]change `json:"cols"` // per column, [step, ch, tone] changes
}

// HTML writes the whole run as one self-contained web page: no network,
// no external file. It shows every group's partitions as cells by fate
// with their markers, the swimlanes, the narration, the step's event and
// its explanation, at one step at a time; the arrow keys step (← →), the
// lesson moments jump (⇧← ⇧→, [ ]), Home and End go to the ends. The
// page's state is plain data embedded in it, computed here from
// scenarios.Steps: the script only looks values up by step. An address
// ending in #step=N opens it at step N (1 is the first event).
func HTML(w io.Writer, x *scenarios.Steps, opts Options) error {
	if opts.Columns <= 0 {
		opts.Columns = 100
	}
	d := buildHTML(x, opts)
	js, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("export html: %w", err)
	}
	var b strings.Builder
	b.WriteString(htmlHead(esc(d.Title)))
	b.WriteString(`<script id="data" type="application/json">`)
	b.Write(js) // json.Marshal escapes <, > and &: safe inside a script element
	b.WriteString("</script>\n<script>\n")
	b.WriteString(htmlScript)
	b.WriteString("</script>\n</body>\n</html>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

func buildHTML(x *scenarios.Steps, opts Options) *htmlData {
	d := &htmlData{Title: opts.title(x), Narr: []string{}, Moments: []int{}, Parts: []htmlPart{}, Lanes: []htmlLane{}, Dur: x.End().Milliseconds()}
	n := x.Len()
	// Steps: text, narration, moments.
	narrIdx := map[int]int{}
	prev := x.At(-1)
	var steps []htmlStep
	for i := 0; i < n; i++ {
		e := x.Event(i)
		cur := prev.Clone()
		cur.Apply(x, e)
		st := htmlStep{T: "T=" + scenarios.FormatTime(e.At), At: e.At.Milliseconds(), Ev: scenarios.EventString(e), Why: x.Explain(i, &prev, &cur), Narr: -1}
		if subj := x.Subject(i); subj != i {
			// An attached narration is about the event it follows.
			st.Ev, st.Why = steps[subj].Ev, steps[subj].Why
		}
		if _, at := x.Narration(i); at >= 0 {
			k, ok := narrIdx[at]
			if !ok {
				k = len(d.Narr)
				narrIdx[at] = k
				d.Narr = append(d.Narr, x.Event(at).Detail)
			}
			st.Narr = k
		}
		if x.IsMoment(i) {
			d.Moments = append(d.Moments, i)
		}
		d.Steps = append(d.Steps, st)
		steps = d.Steps
		prev = cur
	}
	groups := []int{-1}
	if len(x.Groups) > 0 {
		groups = groups[:0]
		for g := range x.Groups {
			groups = append(groups, g)
		}
	}
	final := x.At(n - 1)
	for _, g := range groups {
		for p := range x.Parts {
			pi := int64(len(d.Parts))
			d.Parts = append(d.Parts, partData(x, g, p, final.LogEnd[p]))
			for i := range d.Steps {
				if o := current(x, i, g, p); o >= 0 && o < int64(len(d.Parts[pi].Fates)) && d.Steps[i].Cur == nil {
					d.Steps[i].Cur = []int64{pi, o}
				}
			}
		}
	}
	d.LaneLegend = strings.Join(LaneLegend(x), ", ") + "."
	// Lanes: a column changes only at the steps whose events fall in it.
	cols := opts.Columns
	dur := x.End()
	dt := (dur + time.Duration(cols) - 1) / time.Duration(cols)
	for _, l := range Lanes(x) {
		hl := htmlLane{Name: l.Name, Cols: make([][]change, cols)}
		for k := range cols {
			t0 := time.Duration(k) * dt
			lo := x.StepAtTime(t0-1) + 1
			hi := x.StepAtTime(t0 + dt - 1)
			var last Cell
			hl.Cols[k] = []change{}
			// A column with no event of its own settles at the first
			// step after it.
			for i := lo; i <= max(hi, lo) && i < n; i++ {
				c := LaneCells(x, l, i, t0, dt, 1)[0]
				if c != last {
					hl.Cols[k] = append(hl.Cols[k], change{i, c.Ch, int(c.Tone)})
					last = c
				}
			}
		}
		d.Lanes = append(d.Lanes, hl)
	}
	unit := AxisUnit(dt)
	for k := 0; k < cols; k += AxisStep {
		d.Axis = append(d.Axis, scenarios.FormatDuration((time.Duration(k) * dt).Round(unit)))
	}
	return d
}

// partData follows one partition of group g (-1: no group) through the
// run: each cell's fate, the header and the markers, as changes.
func partData(x *scenarios.Steps, g, p int, end int64) htmlPart {
	hp := htmlPart{Name: x.Parts[p].String(), Head: []change{}, Mark: []change{}}
	if g >= 0 {
		hp.Group = x.Groups[g]
	}
	cells := min(end+1, MaxHTMLCells)
	hp.More = max(0, end+1-cells)
	hp.Fates = make([][]change, cells)
	last := make([]scenarios.Fate, cells)
	for o := range hp.Fates {
		hp.Fates[o] = []change{}
	}
	st := x.At(-1)
	lastHead, lastMarks := "", ""
	for i := 0; i < x.Len(); i++ {
		e := x.Event(i)
		before := st.Clone()
		st.Apply(x, e)
		committed := int64(-1)
		if g >= 0 {
			committed = st.Groups[g].Committed[p]
		}
		// The cells this step can change.
		lo, hi := int64(-1), int64(-1)
		touch := func(a, b int64) { // offsets [a, b)
			a, b = max(a, 0), min(b, cells)
			if a >= b {
				return
			}
			if lo < 0 || a < lo {
				lo = a
			}
			if b > hi {
				hi = b
			}
		}
		if x.PartIndex(e.TP()) == p && e.Offset >= 0 {
			touch(e.Offset, e.Offset+1)
		}
		if g >= 0 {
			if oc, nc := before.Groups[g].Committed[p], committed; oc != nc {
				touch(min(oc, nc), max(oc, nc))
			}
		}
		if ci := x.ConsumerIndex(e.Actor); ci >= 0 {
			for _, m := range before.Cons[ci].InFlight {
				if m.P == p {
					touch(m.Off, m.Off+1)
				}
			}
		}
		for o := lo; o >= 0 && o < hi; o++ {
			if f := x.Fate(max(g, 0), p, o, i, committed); f != last[o] {
				hp.Fates[o] = append(hp.Fates[o], change{i, int(f)})
				last[o] = f
			}
		}
		names, offs := positions(x, &st, g, p)
		head := fmt.Sprintf("%s  end %d  committed %s", x.Parts[p], st.LogEnd[p], off(committed))
		for k, n := range names {
			head += fmt.Sprintf("  %s@%d", n, offs[k])
		}
		if head != lastHead {
			hp.Head = append(hp.Head, change{i, head})
			lastHead = head
		}
		marks := markList(committed, st.LogEnd[p], offs)
		if marks != lastMarks {
			var m []any
			for _, kv := range strings.Split(marks, ";") {
				if o, s, ok := strings.Cut(kv, ":"); ok {
					var v int64
					fmt.Sscan(o, &v)
					m = append(m, []any{v, s})
				}
			}
			hp.Mark = append(hp.Mark, change{i, m})
			lastMarks = marks
		}
	}
	return hp
}

// markList is the markers of a partition as "offset:marks;..." in offset
// order (committed, end, positions).
func markList(committed, end int64, offs []int64) string {
	at := map[int64]string{}
	var order []int64
	add := func(o int64, m string) {
		if o < 0 {
			return
		}
		if _, ok := at[o]; !ok {
			order = append(order, o)
		}
		if !strings.Contains(at[o], m) {
			at[o] += m
		}
	}
	add(committed, MarkCommitted)
	add(end, MarkEnd)
	for _, o := range offs {
		add(o, MarkPos)
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && order[j] < order[j-1]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	var parts []string
	for _, o := range order {
		parts = append(parts, fmt.Sprintf("%d:%s", o, at[o]))
	}
	return strings.Join(parts, ";")
}

func htmlHead(title string) string {
	var fates, tones strings.Builder
	for _, f := range append([]scenarios.Fate{scenarios.FateNone}, scenarios.Fates()...) {
		fmt.Fprintf(&fates, ".f%d{background:%s}\n", int(f), FateColor(f))
	}
	for t := ToneBlank; t <= ToneGood; t++ {
		fmt.Fprintf(&tones, ".t%d{color:%s}\n", int(t), ToneColor(t))
	}
	var legend strings.Builder
	for _, f := range scenarios.Fates() {
		fmt.Fprintf(&legend, "<li><span class=\"c f%d\">%s</span> <b>%s</b>: %s</li>\n", int(f), esc(f.Symbol()), esc(f.String()), esc(f.Meaning()))
	}
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + title + `</title>
<style>
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:1.5em;color:#111;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}
.mono,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace}
#bar{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:bold;margin:.3em 0}
#narr{font-style:italic;font-size:1.1em;min-height:2.6em;max-width:60em}
#ev{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:bold;background:#f3f3f3;padding:.2em .4em}
#why{max-width:60em;min-height:2.6em}
.grp{font-weight:bold;margin-top:1em}
.head{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:bold;margin-top:.5em;white-space:pre}
.row{white-space:nowrap;overflow-x:auto}
.c{display:inline-block;box-sizing:border-box;width:28px;height:28px;line-height:26px;text-align:center;margin:0 2px;border:1px solid #555;border-radius:3px;font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:bold;vertical-align:top}
.c.f0{border-color:transparent}
.c.cur{border:3px solid #000;line-height:22px}
.m,.o{display:inline-block;width:32px;text-align:center;font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace}
.m{font-weight:bold}
.o{font-size:11px;color:#777}
#lanes{line-height:1.25;font-size:14px}
#lanes .now{background:#dde8ff}
.keys{color:#555;font-size:.9em}
` + fates.String() + tones.String() + `</style>
</head>
<body>
<h1 id="title">` + title + `</h1>
<div class="keys">Keys: → or l next step · ← or h previous · ⇧→ or ] next lesson moment · ⇧← or [ previous · Home / End the ends.</div>
<div id="bar"></div>
<div id="narr"></div>
<div id="ev"></div>
<div id="why"></div>
<div id="parts"></div>
<h2 style="font-size:1.1em">Consumers along virtual time</h2>
<pre id="lanes"></pre>
<h2 style="font-size:1.1em">Legend</h2>
<ul style="list-style:none;padding:0">
` + legend.String() + `<li>Under the cells: <b>C</b> the group's committed offset, <b>E</b> the log end, <b>^</b> a consumer's position (the line above names whose).</li>
</ul>
<p id="lanelegend"></p>
`
}

// htmlScript steps the page. It only looks values up by step.
const htmlScript = `(function(){
"use strict";
var D=JSON.parse(document.getElementById("data").textContent);
var N=D.steps.length, cur=-1;
function at(list,i){ // the last change at or before step i, or null
  var lo=0,hi=list.length;
  while(lo<hi){var m=(lo+hi)>>1; if(list[m][0]<=i){lo=m+1}else{hi=m}}
  return lo>0?list[lo-1]:null;
}
function el(tag,cls,text){var e=document.createElement(tag); if(cls)e.className=cls; if(text!==undefined)e.textContent=text; return e}
var parts=document.getElementById("parts"), cells=[], heads=[], markRows=[], lastGroup=null;
D.parts.forEach(function(p,pi){
  if(p.group!==lastGroup){ parts.appendChild(el("div","grp",p.group?("group "+p.group):"partitions")); lastGroup=p.group }
  var h=el("div","head",p.name); parts.appendChild(h); heads.push(h);
  var ro=el("div","row"), rc=el("div","row"), rm=el("div","row"), cs=[], ms=[];
  p.fates.forEach(function(f,o){ ro.appendChild(el("span","o",String(o))); var c=el("span","c f0"," "); rc.appendChild(c); cs.push(c); var m=el("span","m"," "); rm.appendChild(m); ms.push(m) });
  var mEnd=el("span","m"," "); rm.appendChild(mEnd); ms.push(mEnd);
  if(p.more>0){ rc.appendChild(el("span","o"," … "+p.more+" more")) }
  parts.appendChild(ro); parts.appendChild(rc); parts.appendChild(rm);
  cells.push(cs); markRows.push(ms);
});
var lanes=document.getElementById("lanes"), laneCells=[], nameW=7;
D.lanes.forEach(function(l){ nameW=Math.max(nameW,l.name.length+2) });
D.lanes.forEach(function(l){
  var line=el("div"); line.appendChild(document.createTextNode((l.name+"          ").slice(0,nameW)+"|"));
  var cs=[]; l.cols.forEach(function(){ var s=el("span","t0"," "); line.appendChild(s); cs.push(s) });
  lanes.appendChild(line); laneCells.push(cs);
});
var axis=el("div"); var ax=""; D.axis.forEach(function(a){ ax+=(a+"          ").slice(0,10) });
axis.textContent=(" ".repeat(nameW))+" "+ax; lanes.appendChild(axis);
var symbols=[" ",".","d","*","!","+","X","2"];
function show(i){
  cur=Math.max(-1,Math.min(N-1,i));
  var s=cur>=0?D.steps[cur]:null;
  document.getElementById("bar").textContent=(s?s.t:"T=0s")+"   step "+(cur+1)+" of "+N;
  document.getElementById("narr").textContent=s&&s.narr>=0?"» "+D.narr[s.narr]:"";
  document.getElementById("ev").textContent=s?"> "+s.ev:"(before the first event: press →)";
  document.getElementById("why").textContent=s?s.why:"";
  D.parts.forEach(function(p,pi){
    var h=at(p.head,cur); heads[pi].textContent=h?h[1]:p.name;
    p.fates.forEach(function(f,o){ var c=at(f,cur), v=c?c[1]:0; var e=cells[pi][o]; e.className="c f"+v; e.textContent=symbols[v]; });
    markRows[pi].forEach(function(m){ m.textContent=" " });
    var mk=at(p.marks,cur);
    if(mk){ mk[1].forEach(function(om){ var o=om[0]; var m=markRows[pi][Math.min(o,markRows[pi].length-1)]; if(m)m.textContent=om[1] }) }
  });
  if(s&&s.cur){ cells[s.cur[0]][s.cur[1]].className+=" cur" }
  var nowCol=s?Math.min(D.lanes.length?D.lanes[0].cols.length-1:0,Math.floor(s.at_ms*(D.lanes.length?D.lanes[0].cols.length:1)/Math.max(D.dur_ms,1))):-1;
  D.lanes.forEach(function(l,li){
    l.cols.forEach(function(col,k){ var c=at(col,cur); var e=laneCells[li][k]; e.textContent=c?c[1]:" "; e.className="t"+(c?c[2]:0)+(k===nowCol?" now":"") });
  });
  document.body.setAttribute("data-step",String(cur));
}
function moment(dir){
  var ms=D.moments, j;
  if(dir>0){ for(j=0;j<ms.length;j++){ if(ms[j]>cur){show(ms[j]);return} } show(N-1) }
  else{ for(j=ms.length-1;j>=0;j--){ if(ms[j]<cur){show(ms[j]);return} } show(-1) }
}
document.addEventListener("keydown",function(e){
  var k=e.key;
  if((k==="ArrowRight"&&e.shiftKey)||k==="]"||k==="L"){moment(1)}
  else if((k==="ArrowLeft"&&e.shiftKey)||k==="["||k==="H"){moment(-1)}
  else if(k==="ArrowRight"||k==="l"){show(cur+1)}
  else if(k==="ArrowLeft"||k==="h"){show(cur-1)}
  else if(k==="Home"||k==="g"){show(-1)}
  else if(k==="End"||k==="G"){show(N-1)}
  else{return}
  e.preventDefault();
});
document.getElementById("lanelegend").textContent="Lanes: "+D.lane_legend;
var h=/step=(-?\d+)/.exec(location.hash);
show(h?(+h[1])-1:-1);
})();
`
