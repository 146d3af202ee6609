use std::path::Path;

fn main() {
    // Hidden roles of the same binary, dispatched before any runtime or thread exists: the
    // pause holder must be single-threaded to enter its namespace.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() >= 3 && args[1] == "__pause" {
        let paths: Vec<&Path> = args[2..].iter().map(Path::new).collect();
        std::process::exit(ecsnet::services::holder::pause_main(&paths));
    }
    if args.len() == 3 && args[1] == "__agent" {
        std::process::exit(ecsnet::services::agent::agent_main(Path::new(&args[2])));
    }
    std::process::exit(ecsnet::cli::main())
}
