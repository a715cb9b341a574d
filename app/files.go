package app

import "os"

// Files the app writes for the user (event exports, saved logs) hold task
// payloads and messages: they are private to the user (0600), like the
// daemon's snapshots, also when the save dialog created the file first with
// the default mode.

// createPrivate creates or truncates path, readable by the user only.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// writePrivate writes data to path, readable by the user only.
func writePrivate(path string, data []byte) error {
	f, err := createPrivate(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
