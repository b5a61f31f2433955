fn main() {
    let src = std::fs::read_to_string(std::env::args().nth(1).expect("file")).expect("read");
    let t = std::time::Instant::now();
    let r = pyguest::run_source(
        &src,
        pyguest::GuestLimits {
            output_bytes: 1 << 20,
            recursion_depth: 1000,
            memory_bytes: 1 << 30,
        },
    );
    println!("{:?} {:?}", r, t.elapsed());
}
