fn main() -> std::process::ExitCode {
    tendon::cli::main()
}
