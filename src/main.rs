fn main() {
    println!("powerhook");
}
