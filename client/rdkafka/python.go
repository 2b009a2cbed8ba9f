package rdkafka

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// ErrNotInstalled is wrapped by the error of every constructor when no
// Python with confluent_kafka (and so librdkafka) can be found.
var ErrNotInstalled = errors.New("the librdkafka backend needs confluent-kafka-python and librdkafka: " +
	"install Debian's python3-confluent-kafka (apt-get install -y python3-confluent-kafka), " +
	"or set KAFKASIM_PYTHON to a Python that can import confluent_kafka")

// PythonEnv is the environment variable naming the Python interpreter to
// run the agent with.
const PythonEnv = "KAFKASIM_PYTHON"

var (
	findOnce sync.Once
	found    Install
	findErr  error
)

// Install describes the librdkafka the backend drives.
type Install struct {
	// Python is the interpreter's path.
	Python string
	// Client is confluent-kafka-python's version, Librdkafka librdkafka's.
	Client, Librdkafka string
}

// Find locates a Python that can import confluent_kafka: $KAFKASIM_PYTHON
// if set, else python3 on PATH, else /usr/bin/python3 (Debian's, where
// python3-confluent-kafka installs). The result is cached. The error wraps
// ErrNotInstalled and says what was tried.
func Find() (Install, error) {
	findOnce.Do(func() { found, findErr = find() })
	return found, findErr
}

func find() (Install, error) {
	var cands []string
	if p := os.Getenv(PythonEnv); p != "" {
		cands = []string{p}
	} else {
		if p, err := exec.LookPath("python3"); err == nil {
			cands = append(cands, p)
		}
		if _, err := os.Stat("/usr/bin/python3"); err == nil && (len(cands) == 0 || cands[0] != "/usr/bin/python3") {
			cands = append(cands, "/usr/bin/python3")
		}
	}
	if len(cands) == 0 {
		return Install{}, fmt.Errorf("no python3 found (PATH, /usr/bin/python3): %w", ErrNotInstalled)
	}
	var tried []string
	for _, py := range cands {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, py, "-c",
			"import confluent_kafka as c; print(c.version()[0], c.libversion()[0])").CombinedOutput()
		cancel()
		if err != nil {
			last := strings.TrimSpace(string(out))
			if i := strings.LastIndexByte(last, '\n'); i >= 0 {
				last = last[i+1:]
			}
			if last == "" {
				last = err.Error()
			}
			tried = append(tried, py+": "+last)
			continue
		}
		f := strings.Fields(string(out))
		if len(f) != 2 {
			tried = append(tried, py+": unexpected output "+strings.TrimSpace(string(out)))
			continue
		}
		return Install{Python: py, Client: f[0], Librdkafka: f[1]}, nil
	}
	return Install{}, fmt.Errorf("tried %s: %w", strings.Join(tried, "; "), ErrNotInstalled)
}
