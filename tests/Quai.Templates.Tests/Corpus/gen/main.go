// Regenerates ../expected.json: each template of ../templates.txt executed by Go's text/template with
// docker-cli's functions over ../container.json decoded into Docker-like Go structs (typed) and into
// map[string]interface{} (raw, missingkey=error as docker inspect's fallback).
// Run: apt-get install golang-go; cd tests/Quai.Templates.Tests/Corpus/gen && go run main.go  (Go is not needed to run the tests, so setup.sh does not install it.)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type Health struct{ Status string }
type State struct {
	Status    string
	Running   bool
	Paused    bool
	Pid       int
	ExitCode  int
	StartedAt string
	Health    *Health
}
type RestartPolicy struct {
	Name              string
	MaximumRetryCount int
}
type LogConfig struct {
	Type   string
	Config map[string]string
}
type HostConfig struct {
	NetworkMode   string
	RestartPolicy RestartPolicy
	LogConfig     LogConfig
	Memory        int64
	CpuShares     int64
	NanoCpus      int64
	Binds         []string
}
type Config struct {
	Hostname     string
	User         string
	Env          []string
	Cmd          []string
	Entrypoint   []string
	Image        string
	Labels       map[string]string
	ExposedPorts map[string]struct{}
}
type PortBinding struct{ HostIp, HostPort string }
type Endpoint struct{ IPAddress, MacAddress, Gateway string }
type NetworkSettings struct {
	IPAddress string
	Ports     map[string][]PortBinding
	Networks  map[string]*Endpoint
}
type Mount struct {
	Type, Name, Source, Destination string
	RW                              bool
}
type Container struct {
	ID              string `json:"Id"`
	Created         string
	Path            string
	Args            []string
	State           *State
	Image           string
	Name            string
	RestartCount    int
	HostConfig      *HostConfig
	Config          *Config
	NetworkSettings *NetworkSettings
	Mounts          []Mount
	SizeRw          float64
}

func pad(s string, p, q int) string {
	if s == "" {
		return s
	}
	return strings.Repeat(" ", p) + s + strings.Repeat(" ", q)
}

func trunc(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

var funcs = template.FuncMap{
	"json": func(v any) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split": strings.Split, "join": strings.Join, "title": strings.Title, "lower": strings.ToLower,
	"upper": strings.ToUpper, "pad": pad, "truncate": trunc,
}

type result struct {
	Template string `json:"template"`
	Typed    string `json:"typed"`
	Raw      string `json:"raw"`
}

func run(text string, data any, missing bool) string {
	t, err := template.New("").Funcs(funcs).Parse(text)
	if err != nil {
		return "PARSE " + err.Error()
	}
	if missing {
		t = t.Option("missingkey=error")
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "ERROR " + err.Error()
	}
	return b.String()
}

func main() {
	raw, _ := os.ReadFile("../container.json")
	var c Container
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(err)
	}
	var m any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Decode(&m)
	f, _ := os.Open("../templates.txt")
	sc := bufio.NewScanner(f)
	var out []result
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.ReplaceAll(line, `\n`, "\n")
		out = append(out, result{line, run(text, c, false), run(text, m, true)})
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	os.WriteFile("../expected.json", append(b, '\n'), 0o644)
}
