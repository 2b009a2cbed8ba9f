package group

import (
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
)

func TestDescribeTables(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 3, "u": 1}, Config{})
	a := e.member("a", "g", []string{"t", "u"})
	b := e.member("b", "g", []string{"t"})
	b.instanceID = "static-b"
	a.start()
	b.start()
	e.run(10 * time.Second)
	for p := range int32(3) {
		recs := make([]broker.Record, 10*(p+1))
		if _, err := e.b.Produce("t", p, recs); err != nil {
			t.Fatal(err)
		}
	}
	tp := func(topic string, p int32) broker.TopicPartition {
		return broker.TopicPartition{Topic: topic, Partition: p}
	}
	if err := a.commit(OffsetCommit{TopicPartition: tp("t", 0), Offset: 4}); err != nil {
		t.Fatal(err)
	}
	// A standalone commit for a partition nobody in the group owns.
	e.b.StoreCommittedOffset("g", tp("x", 0), broker.OffsetAndMetadata{Offset: 1})
	d := e.c.Describe("g")
	got := d.Table()
	t.Log("\n" + got + d.MembersTable() + d.StateTable())
	lines := strings.Split(got, "\n")
	// Blank line, header, a's 3 partitions (t[0], t[1], u[0] by partition
	// then topic), b's 1, then x[0] with no owner.
	if len(lines) != 8 || lines[0] != "" || !strings.HasPrefix(lines[1], "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG ") {
		t.Fatalf("table:\n%q", lines)
	}
	want := []struct{ topic, part, cur, end, lag, owner string }{
		{"t", "0", "4", "10", "6", a.id},
		{"u", "0", "-", "0", "-", a.id},
		{"t", "1", "-", "20", "-", a.id},
		{"t", "2", "-", "30", "-", b.id},
		{"x", "0", "1", "-", "-", "-"},
	}
	if a.id > b.id {
		t.Fatal("member order differs from the one this test assumes")
	}
	for i, w := range want {
		f := strings.Fields(lines[2+i])
		if f[0] != "g" || f[1] != w.topic || f[2] != w.part || f[3] != w.cur || f[4] != w.end || f[5] != w.lag || f[6] != w.owner {
			t.Errorf("row %d: %q, want %+v", i, lines[2+i], w)
		}
	}
	m := d.MembersTable()
	if !strings.Contains(m, "GROUP-INSTANCE-ID") || !strings.Contains(m, "static-b") || !strings.Contains(m, "/10.0.0.a") {
		t.Errorf("members table:\n%s", m)
	}
	if s := d.StateTable(); !strings.Contains(s, "range                Stable          2") {
		t.Errorf("state table:\n%s", s)
	}
	// Rebalancing: a warning, and no assignments (as DescribeGroups).
	b.close()
	e.c.Leave("g", "", "static-b")
	d = e.c.Describe("g")
	if !strings.HasPrefix(d.Table(), "\nWarning: Consumer group 'g' is rebalancing.\n") {
		t.Errorf("rebalancing table:\n%s", d.Table())
	}
	for _, m := range d.Members {
		if len(m.Assignment) != 0 {
			t.Errorf("assignment shown while rebalancing: %v", m)
		}
	}
	if got := e.c.Describe("nope").Table(); got != "\nError: Consumer group 'nope' does not exist.\n" {
		t.Errorf("missing group: %q", got)
	}
}
