use std::path::Path;

fn main() {
    // Hidden roles of the same binary, dispatched before any runtime or thread exists: the
    // pause holder must be single-threaded to enter its namespace.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 {
        match args[1].to_str() {
            Some("__pause") => std::process::exit(ecsnet::services::holder::pause_main(Path::new(&args[2]))),
            Some("__agent") => std::process::exit(ecsnet::services::agent::agent_main(Path::new(&args[2]))),
            _ => {}
        }
    }
    std::process::exit(ecsnet::cli::main())
}
