import PartmandCLI

/// Entry point: hands over to the command tree.
@main
enum PartmandMain {
    static func main() {
        Partmand.main()
    }
}
