// Evaluation allocates many small values; mimalloc makes that markedly cheaper
// than the system allocator (see the benchmark script).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tendon::cli::main()
}
