package mq

// Limits of the wire contract (spec §2). Values outside are rejected with 400,
// except where the spec says to clamp.
const (
	DefaultMessageTimeout    = 60
	MaxMessageTimeout        = 86400
	DefaultMessageExpiration = 604800
	MaxMessageExpiration     = 2592000
	MaxMessagesPerRequest    = 100
	MaxDelay                 = 604800
	MaxWait                  = 30
	DefaultBodyLimit         = 256 << 10
	MaxQueueNameLength       = 255
	MaxPushHeaders           = 5
	MaxPerPage               = 100
	DefaultPerPage           = 30
)
