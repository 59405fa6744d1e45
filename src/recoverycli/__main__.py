from recoverycli.cli import main

main()
