package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// Profile fetches a Go profile from a daemon started with --pprof and
// writes it to path: kind is "profile" (CPU) or a delta profile such as
// "allocs", taken over the next seconds (it blocks for that long), or with
// seconds 0 a snapshot such as "heap".
func (d *Daemon) Profile(ctx context.Context, kind string, seconds int, token, path string) error {
	url := d.URL + "/_ironlocal/debug/pprof/" + kind
	if seconds > 0 {
		url += "?seconds=" + strconv.Itoa(seconds)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+token)
	c := &http.Client{Timeout: time.Duration(seconds)*time.Second + 30*time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s profile: %w", kind, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("fetch %s profile: status %d: %s (is the daemon running with --pprof?)", kind, resp.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("fetch %s profile: %w", kind, err)
	}
	return f.Close()
}
