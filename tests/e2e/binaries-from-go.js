// The suites run the binaries `pnpm test` prepared (tools/build-go-binaries.sh), and never reach for
// a release host: a test talks to 127.0.0.1 only. The installer's own suite sets DEMO_BINARIES
// itself, with a local release mirror.
process.env.DEMO_BINARIES ??= 'go';
