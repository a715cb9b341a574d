package uploadtrigger

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Event types per format.
const (
	evCreated   = "s3:ObjectCreated:Put"
	evRemoved   = "s3:ObjectRemoved:Delete"
	gcsFinalize = "google.storage.object.finalize"
	gcsDelete   = "google.storage.object.delete"
	ceFinalized = "google.cloud.storage.object.v1.finalized"
	ceDeleted   = "google.cloud.storage.object.v1.deleted"

	formatS3          = "s3"
	formatGCS         = "gcs"
	formatCloudEvents = "cloudevents"
)

// events builds the events of one binding.
type events struct {
	cfg     config
	binding string
}

// sequence orders events on one key, as S3's sequencer does: a larger
// value is a later event (hex, fixed width, so it also sorts as text).
var sequence atomic.Uint64

func sequencer(at time.Time) string {
	return fmt.Sprintf("%016X%02X", uint64(at.UnixNano()), uint8(sequence.Add(1)))
}

// objectKey is the file's key: its path below the folder, with slashes.
func (e *events) objectKey(path string) string {
	rel, err := filepath.Rel(e.cfg.Dir, path)
	if err != nil {
		rel = filepath.Base(path)
	}
	return filepath.ToSlash(rel)
}

// encodeKey URL-encodes a key form-style, as S3 event notifications do:
// "my photo.jpg" becomes "my+photo.jpg"; slashes stay.
func encodeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.QueryEscape(p)
	}
	return strings.Join(parts, "/")
}

// filter says why a key does not match the binding's filters ("" if it does).
func (e *events) filter(kind, key string) string {
	switch {
	case !e.cfg.wants(kind):
		return fmt.Sprintf("%s events are not selected (events: %v)", kind, e.cfg.Events)
	case !strings.HasPrefix(key, e.cfg.Prefix):
		return fmt.Sprintf("key %q does not start with prefix %q", key, e.cfg.Prefix)
	case !strings.HasSuffix(key, e.cfg.Suffix):
		return fmt.Sprintf("key %q does not end with suffix %q", key, e.cfg.Suffix)
	}
	return ""
}

func md5File(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func (e *events) created(path string, fi fs.FileInfo) (sdk.Event, error) {
	key := e.objectKey(path)
	now := time.Now().UTC()
	ev := sdk.Event{At: now, Attrs: map[string]string{"key": key, "bucket": e.cfg.Bucket, "size": strconv.FormatInt(fi.Size(), 10)}}
	if reason := e.filter("created", key); reason != "" {
		ev.Type, ev.Filtered = e.typ(true), reason
		ev.Payload, _ = json.Marshal(map[string]any{"bucket": e.cfg.Bucket, "key": key})
		return ev, nil
	}
	sum, err := md5File(path)
	if err != nil {
		return sdk.Event{}, err
	}
	ev.Type = e.typ(true)
	ev.Payload, err = e.payload(true, key, fi.Size(), sum, now)
	return ev, err
}

func (e *events) removed(path string) sdk.Event {
	key := e.objectKey(path)
	now := time.Now().UTC()
	ev := sdk.Event{Type: e.typ(false), At: now, Attrs: map[string]string{"key": key, "bucket": e.cfg.Bucket}}
	if reason := e.filter("removed", key); reason != "" {
		ev.Filtered = reason
		ev.Payload, _ = json.Marshal(map[string]any{"bucket": e.cfg.Bucket, "key": key})
		return ev
	}
	ev.Payload, _ = e.payload(false, key, 0, nil, now)
	return ev
}

func (e *events) typ(created bool) string {
	switch e.cfg.Format {
	case formatGCS:
		return pick(created, gcsFinalize, gcsDelete)
	case formatCloudEvents:
		return pick(created, ceFinalized, ceDeleted)
	}
	return pick(created, evCreated, evRemoved)
}

func pick(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func (e *events) payload(created bool, key string, size int64, sum []byte, at time.Time) ([]byte, error) {
	switch e.cfg.Format {
	case formatGCS:
		return json.Marshal(gcsObject(e.cfg.Bucket, key, size, sum, at))
	case formatCloudEvents:
		return json.Marshal(map[string]any{
			"specversion": "1.0", "id": sdk.NewEventID(), "type": e.typ(created),
			"source":  "//storage.googleapis.com/projects/_/buckets/" + e.cfg.Bucket,
			"subject": "objects/" + key, "time": at.Format(time.RFC3339Nano),
			"datacontenttype": "application/json", "data": gcsObject(e.cfg.Bucket, key, size, sum, at),
		})
	}
	return json.Marshal(s3Event(e.cfg, e.binding, created, key, size, sum, at))
}

// s3Event is an S3 event notification (event structure version 2.1).
func s3Event(c config, configurationID string, created bool, key string, size int64, sum []byte, at time.Time) map[string]any {
	object := map[string]any{"key": encodeKey(key), "sequencer": sequencer(at)}
	name := "ObjectRemoved:Delete"
	if created {
		name = "ObjectCreated:Put"
		object["size"] = size
		object["eTag"] = hex.EncodeToString(sum)
	}
	return map[string]any{"Records": []any{map[string]any{
		"eventVersion":      "2.1",
		"eventSource":       "aws:s3",
		"awsRegion":         c.Region,
		"eventTime":         at.Format("2006-01-02T15:04:05.000Z"),
		"eventName":         name,
		"userIdentity":      map[string]any{"principalId": "ironlocal"},
		"requestParameters": map[string]any{"sourceIPAddress": "127.0.0.1"},
		"responseElements": map[string]any{"x-amz-request-id": strings.ToUpper(sdk.NewEventID()),
			"x-amz-id-2": sdk.NewEventID() + sdk.NewEventID()},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0",
			"configurationId": configurationID,
			"bucket": map[string]any{"name": c.Bucket, "ownerIdentity": map[string]any{"principalId": "ironlocal"},
				"arn": "arn:aws:s3:::" + c.Bucket},
			"object": object,
		},
	}}}
}

// gcsObject is a Cloud Storage object resource as GCS notifications carry it.
func gcsObject(bucket, key string, size int64, sum []byte, at time.Time) map[string]any {
	gen := strconv.FormatInt(at.UnixMicro(), 10)
	o := map[string]any{
		"kind": "storage#object", "id": bucket + "/" + key + "/" + gen, "name": key, "bucket": bucket,
		"generation": gen, "metageneration": "1", "size": strconv.FormatInt(size, 10),
		"timeCreated": at.Format(time.RFC3339Nano), "updated": at.Format(time.RFC3339Nano),
		"storageClass": "STANDARD",
		"selfLink":     "https://www.googleapis.com/storage/v1/b/" + bucket + "/o/" + url.PathEscape(key),
		"mediaLink":    "https://storage.googleapis.com/download/storage/v1/b/" + bucket + "/o/" + url.PathEscape(key) + "?generation=" + gen + "&alt=media",
	}
	if ct := mime.TypeByExtension(filepath.Ext(key)); ct != "" {
		o["contentType"] = ct
	}
	if sum != nil {
		o["md5Hash"] = base64.StdEncoding.EncodeToString(sum)
	}
	return o
}

func samples() []sdk.Sample {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	sum, _ := hex.DecodeString("d41d8cd98f00b204e9800998ecf8427e")
	c := config{Bucket: "bucket", Region: "us-east-1"}
	mk := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	return []sdk.Sample{
		{Name: "s3 put", EventType: evCreated, Payload: mk(s3Event(c, "sample", true, "in/report 2026.csv", 1024, sum, at))},
		{Name: "s3 delete", EventType: evRemoved, Payload: mk(s3Event(c, "sample", false, "in/report 2026.csv", 0, nil, at))},
		{Name: "gcs finalize", EventType: gcsFinalize, Payload: mk(gcsObject("bucket", "in/report.csv", 1024, sum, at))},
	}
}
