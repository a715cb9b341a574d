package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// `ironlocald exec -- CMD ARGS…` (README "Use in tests"): the command runs
// against a live ephemeral emulator, and its exit status is passed through.
// The command that inspects the emulator is this test binary itself: with
// EXECTEST_PROBE set it runs probeEmulator instead of the tests.

// probeEnv lists the variables exec gives the command.
var probeEnv = []string{"IRON_HOST", "IRON_PORT", "IRON_SCHEME", "IRON_PROTOCOL", "IRON_TOKEN", "IRON_PROJECT_ID", "IRONLOCAL_URL"}

// probeReport is what the probe finds, written as JSON to $EXECTEST_PROBE.
type probeReport struct {
	Env        map[string]string `json:"env"`
	PostStatus int               `json:"post_status"` // posting a message through IRON_HOST/IRON_PORT
	Size       int               `json:"size"`        // the queue's size read back through IRONLOCAL_URL
	JobsSize   int               `json:"jobs_size"`   // size of the queue "jobs"; -1 when there is none
	Err        string            `json:"err"`
}

func init() {
	if out := os.Getenv("EXECTEST_PROBE"); out != "" {
		os.Exit(probeEmulator(out))
	}
}

// probeEmulator runs as the command of `ironlocald exec`: it records the
// environment, posts a message to the emulator it names and reads it back.
func probeEmulator(out string) int {
	r := probeReport{Env: map[string]string{}, JobsSize: -1}
	for _, k := range probeEnv {
		r.Env[k] = os.Getenv(k)
	}
	if err := r.probe(); err != nil {
		r.Err = err.Error()
	}
	b, err := json.Marshal(r)
	if err == nil {
		err = os.WriteFile(out, b, 0o644)
	}
	if err != nil || r.Err != "" {
		fmt.Fprintln(os.Stderr, "exec probe:", err, r.Err)
		return 1
	}
	fmt.Println("exec probe done")
	return 0
}

func (r *probeReport) probe() error {
	hc := &http.Client{Timeout: 10 * time.Second}
	call := func(method, url, body string, out any) (int, error) {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "OAuth "+os.Getenv("IRON_TOKEN"))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || out == nil || res.StatusCode != http.StatusOK {
			return res.StatusCode, err
		}
		return res.StatusCode, json.Unmarshal(b, out)
	}
	queues := "/3/projects/" + os.Getenv("IRON_PROJECT_ID") + "/queues/"
	viaEnv := os.Getenv("IRON_SCHEME") + "://" + net.JoinHostPort(os.Getenv("IRON_HOST"), os.Getenv("IRON_PORT"))
	var err error
	if r.PostStatus, err = call(http.MethodPost, viaEnv+queues+"exec-probe/messages", `{"messages":[{"body":"from exec"}]}`, nil); err != nil {
		return err
	}
	var q struct {
		Queue struct {
			Size int `json:"size"`
		} `json:"queue"`
	}
	if _, err := call(http.MethodGet, os.Getenv("IRONLOCAL_URL")+queues+"exec-probe", "", &q); err != nil {
		return err
	}
	r.Size = q.Queue.Size
	q.Queue.Size = -1
	if _, err := call(http.MethodGet, os.Getenv("IRONLOCAL_URL")+queues+"jobs", "", &q); err != nil {
		return err
	}
	r.JobsSize = q.Queue.Size
	return nil
}

// execResult is how an `ironlocald exec` run ended.
type execResult struct {
	code           int
	stdout, stderr string
}

// runExec runs `ironlocald exec ARGS…` with a clean environment plus env,
// and returns its exit code and output.
func runExec(t *testing.T, env []string, args ...string) execResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, daemonBinary(t), append([]string{"exec"}, args...)...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "ironlocald exec did not finish\nstdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	r := execResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run ironlocald exec: %v", err)
	}
	return r
}

// runProbe runs the probe under `ironlocald exec FLAGS… --` and returns its
// report.
func runProbe(t *testing.T, env []string, flags ...string) (probeReport, execResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "probe.json")
	args := append(append([]string{"--runtime", "process"}, flags...), "--", os.Args[0])
	res := runExec(t, append(env, "EXECTEST_PROBE="+out), args...)
	require.Equal(t, 0, res.code, "exit code\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err, "probe report")
	var r probeReport
	require.NoError(t, json.Unmarshal(b, &r), "probe report %s", b)
	require.Empty(t, r.Err, "probe error")
	return r, res
}

func TestExec_Environment(t *testing.T) {
	tmp := t.TempDir() // the ephemeral store goes here
	r, res := runProbe(t, []string{"TMPDIR=" + tmp})

	t.Run("command output passes through", func(t *testing.T) {
		require.Contains(t, res.stdout, "exec probe done", "stdout")
	})
	t.Run("IRON variables", func(t *testing.T) {
		port, err := strconv.Atoi(r.Env["IRON_PORT"])
		require.NoError(t, err, "IRON_PORT %q", r.Env["IRON_PORT"])
		require.Positive(t, port, "IRON_PORT")
		require.Equal(t, map[string]string{
			"IRON_HOST": "127.0.0.1", "IRON_PORT": r.Env["IRON_PORT"], "IRON_SCHEME": "http", "IRON_PROTOCOL": "http",
			"IRON_TOKEN": "local-token", "IRON_PROJECT_ID": testProject,
			"IRONLOCAL_URL": "http://127.0.0.1:" + r.Env["IRON_PORT"],
		}, r.Env)
	})
	t.Run("emulator was live", func(t *testing.T) {
		require.Equal(t, http.StatusCreated, r.PostStatus, "post through IRON_HOST:IRON_PORT")
		require.Equal(t, 1, r.Size, "queue size read back through IRONLOCAL_URL")
		require.Equal(t, -1, r.JobsSize, "no seed: no jobs queue")
	})
	t.Run("emulator is gone afterwards", func(t *testing.T) {
		addr := net.JoinHostPort(r.Env["IRON_HOST"], r.Env["IRON_PORT"])
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			conn.Close()
		}
		require.Error(t, err, "dial %s after exec returned: the port is still open", addr)
	})
	t.Run("no ephemeral store left behind", func(t *testing.T) {
		entries, err := os.ReadDir(tmp)
		require.NoError(t, err)
		require.Empty(t, entries, "files left in TMPDIR")
	})
}

func TestExec_Flags(t *testing.T) {
	t.Run("seed", func(t *testing.T) {
		seed, err := filepath.Abs(filepath.Join("..", "fixtures", "seed", "example.json"))
		require.NoError(t, err)
		r, _ := runProbe(t, nil, "--seed", seed)
		require.Equal(t, 3, r.JobsSize, "jobs size from the seed")
	})
	t.Run("token and project", func(t *testing.T) {
		r, _ := runProbe(t, nil, "--token", "tok1,tok2", "--project", "5f0c6e8a1b2c3d4e5f6a7b8c")
		require.Equal(t, "tok1", r.Env["IRON_TOKEN"], "IRON_TOKEN")
		require.Equal(t, "5f0c6e8a1b2c3d4e5f6a7b8c", r.Env["IRON_PROJECT_ID"], "IRON_PROJECT_ID")
		require.Equal(t, http.StatusCreated, r.PostStatus, "post with strict auth")
	})
}

func TestExec_ExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{name: "zero", args: []string{"--", "sh", "-c", "exit 0"}, want: 0},
		{name: "three", args: []string{"--", "sh", "-c", "exit 3"}, want: 3},
		{name: "killed by SIGTERM", args: []string{"--", "sh", "-c", "kill -TERM $$"}, want: 128 + 15},
		{name: "unknown command", args: []string{"--", "/nonexistent/ironlocal-exec-test"}, want: 127, wantStderr: "ironlocald exec:"},
		{name: "missing --", args: []string{"sh", "-c", "exit 0"}, want: 2, wantStderr: "usage: ironlocald exec"},
		{name: "nothing after --", args: []string{"--"}, want: 2, wantStderr: "usage: ironlocald exec"},
		{name: "no arguments", args: nil, want: 2, wantStderr: "usage: ironlocald exec"},
		{name: "unknown flag", args: []string{"--bogus", "--", "sh", "-c", "exit 0"}, want: 2, wantStderr: "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) > 0 && args[0] == "--" {
				args = append([]string{"--runtime", "process"}, args...)
			}
			res := runExec(t, nil, args...)
			require.Equal(t, tc.want, res.code, "exit code\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
			require.Contains(t, res.stderr, tc.wantStderr, "stderr")
		})
	}
}
