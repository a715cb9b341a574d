// Package sdk is the public SDK for ironlocal trigger plugins: the contract a
// plugin implements (Trigger), the narrow API it may call back into
// ironlocal (Host), the go-plugin handshake, the gRPC adapters on both sides
// and Serve, which a plugin's main calls.
//
// A trigger plugin is a separate executable. ironlocal starts it, asks for
// its Info, validates each binding's config (the JSON Schema in Info, then
// Validate) and calls Run once per enabled binding. Run watches the source
// (a folder, a port, a Redis list …) and emits an Event for everything that
// happens, until its context ends. The host decides what each event does
// (queue a task, post a message) and records the outcome; a plugin that must
// act on that outcome (an HTTP trigger answering from the task's output, a
// queue mapping deleting its batch) calls EmitWait and the Host methods.
//
// A minimal plugin:
//
//	func main() { sdk.Serve(myTrigger{}) }
//
// Plugin authors test their Trigger over a real gRPC connection with the
// sdktest package. The SDK imports nothing else of ironlocal, so a plugin in
// its own module needs only this package.
package sdk
