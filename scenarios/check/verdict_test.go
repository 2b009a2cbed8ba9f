package check_test

import (
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// The App loops of apps_test.go, each with the verdict the check must
// give it.

func appConfig(t *testing.T, app check.App, g check.Guarantee, cases int) check.Config {
	return check.Config{App: app, Topic: topic, Guarantee: g, Dir: t.TempDir(), Cases: cases,
		Consumer: client.ConfigMap{"enable.auto.commit": false}}
}

func TestBatchingLoopPasses(t *testing.T) {
	if f := check.Search(t, appConfig(t, batchingApp, check.AtLeastOnce, 200)); f != nil {
		t.Fatalf("a batching loop that commits only what it processed failed:\n%s", f)
	}
}

func TestWorkerPoolLoopLoses(t *testing.T) {
	f := check.Search(t, appConfig(t, workerPoolApp, check.AtLeastOnce, 2000))
	if f == nil {
		t.Fatal("a worker pool committing before its workers are done passed as at-least-once")
	}
	if !strings.Contains(f.Problems[0], "LOST") && !strings.Contains(f.Problems[0], "COMMITTED-TOO-FAR") {
		t.Fatalf("found something else first:\n%s", f)
	}
	t.Logf("\n%s", f)
}

func TestWorkerPoolWithMarksPasses(t *testing.T) {
	if f := check.Search(t, appConfig(t, workerPoolAtLeastOnce, check.AtLeastOnce, 300)); f != nil {
		t.Fatalf("a worker pool committing only below what its workers finished failed:\n%s", f)
	}
}

func TestRebalanceCommitLoop(t *testing.T) {
	cfg := func(commitOnRevoke bool) check.Config {
		c := appConfig(t, rebalanceApp(commitOnRevoke), check.AtMostOnce, 400)
		c.Faults = check.Join | check.Close | check.Produce
		c.Consumer = client.ConfigMap{"enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky"}
		return c
	}
	t.Run("commits-on-revoke", func(t *testing.T) {
		if f := check.Search(t, cfg(true)); f != nil {
			t.Fatalf("the loop that commits in its revoke callback duplicated:\n%s", f)
		}
	})
	t.Run("no-commit-on-revoke", func(t *testing.T) {
		f := check.Search(t, cfg(false))
		if f == nil {
			t.Fatal("without a commit in the revoke callback no message was duplicated")
		}
		if !strings.Contains(f.Problems[0], "DUPLICATED") {
			t.Fatalf("found something else first:\n%s", f)
		}
	})
}

func TestIdempotentLoopPasses(t *testing.T) {
	db := &store{}
	cfg := appConfig(t, idempotentApp(db), check.EffectivelyOnce, 300)
	cfg.Consumer = client.ConfigMap{"enable.auto.commit": false}
	cfg.Setup = db.reset
	if f := check.Search(t, cfg); f != nil {
		t.Fatalf("an idempotent loop was not effectively once:\n%s", f)
	}
}

func TestIgnoringCtxHangs(t *testing.T) {
	cfg := appConfig(t, ignoresCtxApp, check.AtLeastOnce, 50)
	cfg.Consumer = client.ConfigMap{"enable.auto.commit": false}
	f := check.Search(t, cfg)
	if f == nil {
		t.Fatal("a loop that ignores its context was not reported")
	}
	if !strings.Contains(f.Problems[0], "hang") || !strings.Contains(f.Problems[0], "ignoresCtxApp") {
		t.Fatalf("the report does not name the hanging goroutine:\n%s", f)
	}
	t.Logf("\n%s", f)
}

func TestOffsetPlusTwoCaught(t *testing.T) {
	cfg := appConfig(t, offsetPlusTwoApp, check.AtLeastOnce, 200)
	cfg.Consumer = client.ConfigMap{"enable.auto.commit": false}
	f := check.Search(t, cfg)
	if f == nil {
		t.Fatal("committing offset+2 was not caught")
	}
	if !strings.Contains(f.Error(), "COMMITTED-TOO-FAR") && !strings.Contains(f.Error(), "COMMIT-BEYOND-END") {
		t.Fatalf("found something else first:\n%s", f)
	}
	t.Logf("\n%s", f)
}
