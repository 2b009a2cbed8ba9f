package export

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kafkasim/kafkasim/scenarios"
)

// chromium finds a headless browser: $CHROMIUM, or Debian's chromium.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// The HTML export in a real browser: it opens with no network, → and ←
// change the step shown, ] jumps to the next lesson moment, and the page
// shows the step's event and the partitions' cells as the model has them.
func TestHTMLStepsWithTheKeyboardInABrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium to run the HTML export in (install Debian's chromium, or set CHROMIUM to a Chrome binary)")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	x := steps(t, "auto-commit-loss")
	dir := t.TempDir()
	page := filepath.Join(dir, "auto-commit-loss.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(f, x, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// A fresh profile, and nothing that reaches for the network.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.ID("bar"))); err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	// The page's state: its step, title bar, event line and cells.
	read := func() (step, bar, ev string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var err error
		if step, err = chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.dataset.step`)); err != nil {
			t.Fatal(err)
		}
		if bar, err = chromedp.Run(tctx, chromedp.Text(chromedp.ID("bar"))); err != nil {
			t.Fatal(err)
		}
		if ev, err = chromedp.Run(tctx, chromedp.Text(chromedp.ID("ev"))); err != nil {
			t.Fatal(err)
		}
		return step, bar, ev
	}
	press := func(keys string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, chromedp.KeyEvent(keys)); err != nil {
			t.Fatal(err)
		}
	}
	if step, bar, _ := read(); step != "-1" || !strings.Contains(bar, "step 0 of") {
		t.Fatalf("the page opens at %q (%s), want before the first step", step, bar)
	}
	press(kb.ArrowRight + kb.ArrowRight + kb.ArrowRight)
	if step, bar, ev := read(); step != "2" || !strings.Contains(bar, "step 3 of") || !strings.Contains(ev, scenarios.EventString(x.Event(2))) {
		t.Fatalf("after → → →: step %s, bar %q, event %q; want step 3, %q", step, bar, ev, scenarios.EventString(x.Event(2)))
	}
	press(kb.ArrowLeft)
	if step, _, _ := read(); step != "1" {
		t.Fatalf("after ←: step %s, want 1", step)
	}
	// ] jumps from lesson moment to lesson moment, to the crash; the cell
	// of the lost message then shows X.
	crash := -1
	for i := x.NextMoment(1); i >= 0; i = x.NextMoment(i) {
		if x.Event(i).Kind == scenarios.KindCrash {
			crash = i
			break
		}
	}
	var step, ev string
	for range 30 {
		press("]")
		if step, _, ev = read(); strings.Contains(ev, "c1 crash") {
			break
		}
	}
	if step != strconv.Itoa(crash) {
		t.Fatalf("] never reached the crash (step %d): at %s, %q", crash, step, ev)
	}
	cells, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("parts")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cells, "orders[0]  end 5  committed 1") || !strings.Contains(cells, scenarios.FateLost.Symbol()) {
		t.Fatalf("after the crash the partition shows %q", cells)
	}
}
