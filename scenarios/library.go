package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

//go:embed library/*.yaml
var libraryFS embed.FS

// LibraryFS is the built-in library: one YAML scenario file per lesson
// point, in the format of docs/scenarios.md.
func LibraryFS() fs.FS {
	sub, _ := fs.Sub(libraryFS, "library")
	return sub
}

// Names lists the built-in scenarios, sorted.
func Names() []string {
	ents, _ := fs.ReadDir(libraryFS, "library")
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Builtin loads the named built-in scenario.
func Builtin(name string) (*Scenario, error) {
	data, err := libraryFS.ReadFile(path.Join("library", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no built-in scenario %q (see kafkasim list): %w", name, ErrNotFound)
	}
	return Parse("library/"+name+".yaml", data)
}

// Library loads every built-in scenario, in name order.
func Library() ([]*Scenario, error) {
	var out []*Scenario
	for _, n := range Names() {
		s, err := Builtin(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ErrNotFound is wrapped when a scenario name is neither a built-in nor a
// file.
var ErrNotFound = fmt.Errorf("scenario not found")

// Open loads a built-in scenario by name, or a scenario file by path. An
// argument that names an existing file, or ends in .yaml or .yml, or
// contains a path separator, is a file.
func Open(nameOrFile string) (*Scenario, error) {
	isFile := strings.HasSuffix(nameOrFile, ".yaml") || strings.HasSuffix(nameOrFile, ".yml") || strings.ContainsRune(nameOrFile, os.PathSeparator) || strings.Contains(nameOrFile, "/")
	if !isFile {
		if st, err := os.Stat(nameOrFile); err == nil && !st.IsDir() {
			isFile = true
		}
	}
	if isFile {
		if _, err := os.Stat(nameOrFile); err != nil {
			return nil, fmt.Errorf("%s: %w", nameOrFile, ErrNotFound)
		}
		return Load(nameOrFile)
	}
	if slices.Contains(Names(), nameOrFile) {
		return Builtin(nameOrFile)
	}
	msg := fmt.Sprintf("no built-in scenario or file %q", nameOrFile)
	if c := closest(nameOrFile, Names()); c != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", c)
	}
	return nil, fmt.Errorf("%s; `kafkasim list` shows the built-ins: %w", msg, ErrNotFound)
}
