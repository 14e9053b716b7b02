import LinuxSys

func fwriteStderr(_ p: UnsafeBufferPointer<UInt8>) -> Int { StandardStreams.writeStderr(p) }

func writeStdout(_ s: String) { StandardStreams.writeStdout(s) }
