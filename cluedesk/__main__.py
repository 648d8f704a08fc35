from cluedesk.cli import main

main()
