package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

func TestCode_UploadValidation(t *testing.T) {
	h := newHarness(t, worker.Config{CodeLimits: codezip.Limits{MaxBytes: 1 << 20, MaxEntries: 10}})
	h.start()
	cpus := func(v float64) *float64 { return &v }

	for _, tc := range []struct {
		name    string
		upload  worker.CodeUpload
		wantErr string // "" = accepted
	}{
		{name: "zip within the limits", upload: worker.CodeUpload{Runtime: "sh", FileName: "a", Zip: runtimetest.ZeroZip(t, "a", 1<<20)}},
		{name: "zip declaring more bytes than the limit",
			upload:  worker.CodeUpload{Runtime: "sh", FileName: "a", Zip: runtimetest.ZeroZip(t, "a", 1<<20+512)},
			wantErr: "The uploaded zip is too large: the zip's files add up to 1.1 MiB, over the 1 MiB limit (--max-code-bytes)"},
		{name: "zip with more entries than the limit",
			upload:  worker.CodeUpload{Runtime: "sh", FileName: "a", Zip: runtimetest.ManyEntriesZip(t, 11)},
			wantErr: "The uploaded zip is too large: the zip has 11 entries, over the limit of 10 (--max-code-entries)"},
		{name: "not a zip", upload: worker.CodeUpload{Runtime: "sh", FileName: "a", Zip: []byte("nope")},
			wantErr: "The uploaded file is not a valid zip archive: zip: not a valid zip file"},
		{name: "cpus at the bound", upload: worker.CodeUpload{Image: "i", CPUs: cpus(worker.MaxCPUs)}},
		{name: "cpus 1e308", upload: worker.CodeUpload{Image: "i", CPUs: cpus(1e308)},
			wantErr: "cpus must be between 0 (no limit) and 1024"},
		{name: "cpus negative", upload: worker.CodeUpload{Image: "i", CPUs: cpus(-1)},
			wantErr: "cpus must be between 0 (no limit) and 1024"},
		{name: "env var name empty", upload: worker.CodeUpload{Image: "i", EnvVars: map[string]string{"": "x"}},
			wantErr: "env_vars: a variable name must not be empty"},
		{name: "env var name with =", upload: worker.CodeUpload{Image: "i", EnvVars: map[string]string{"A=B": "x"}},
			wantErr: `env_vars: variable name "A=B" must not contain '=' or NUL`},
		{name: "env var name with NUL", upload: worker.CodeUpload{Image: "i", EnvVars: map[string]string{"A\x00": "x"}},
			wantErr: `env_vars: variable name "A\x00" must not contain '=' or NUL`},
		{name: "env var value with NUL", upload: worker.CodeUpload{Image: "i", EnvVars: map[string]string{"A": "x\x00y"}},
			wantErr: `env_vars: the value of "A" must not contain NUL`},
		{name: "env vars fine", upload: worker.CodeUpload{Image: "i", EnvVars: map[string]string{"A_1": "x=y", "b": ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.upload.Name = "c"
			_, err := h.svc.UploadCode(context.Background(), project, tc.upload)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, emulator.ErrInvalid)
			require.EqualError(t, err, tc.wantErr)
		})
	}
}

// A zip whose directory understates its sizes passes the upload check; its
// task ends in error, with the reason, instead of filling the disk.
func TestCode_LyingZipFailsTheTask(t *testing.T) {
	h := newProcessHarness(t, worker.Config{}) // the runtime extracts the zip
	h.start()
	_, err := h.svc.UploadCode(context.Background(), project, worker.CodeUpload{Name: "bomb", Runtime: "sh",
		FileName: "run.sh", Zip: runtimetest.LyingZip(t, "run.sh", 32<<20, 1024)})
	require.NoError(t, err)
	task := h.waitStatus(h.queue("bomb", "").ID, emulator.TaskError)
	require.Equal(t, `extract code zip: entry "run.sh": holds more data than the 1024 bytes the zip declares for it`, task.Msg)
	require.Equal(t, -1, task.ExitCode)
}
