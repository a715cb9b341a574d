package sdk

import (
	"os"
	"runtime"
	"time"
)

// exitWithHost ends the plugin process once the ironlocal that started it
// is gone (the plugin was re-parented), so a killed host leaves no plugin
// behind holding a port or a watch. On Linux the host also asks the kernel
// for this; elsewhere this is the only guard.
func exitWithHost() {
	if runtime.GOOS == "windows" {
		return // no re-parenting to observe
	}
	parent := os.Getppid()
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			if os.Getppid() != parent {
				Log.Info("ironlocal is gone: exiting")
				os.Exit(0)
			}
		}
	}()
}
