// Package uploadtrigger is ironlocal's object-storage trigger plugin: folders
// watched as buckets. A file written (or moved) into the folder emits an
// S3 event notification (ObjectCreated:Put), a file removed emits
// ObjectRemoved:Delete; GCS- and CloudEvents-shaped events on request.
// It uses only the public SDK.
package uploadtrigger

import "github.com/ironlocal/ironlocal/plugins/sdk"

// New returns the plugin, for sdk.Serve.
func New() sdk.Trigger { return &trigger{} }
