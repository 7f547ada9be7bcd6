import Foundation

// SwiftPM gives an executable's entry point a name of its own and makes it `main`, so
// libFuzzer's own `main` is not the one that runs: this one hands over to libFuzzer's driver,
// with the arguments libFuzzer reads (-max_total_time=…, corpus directories).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argumentCount = CommandLine.argc
var arguments = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argumentCount, &arguments, { fuzzOneInput($0, $1) }))
