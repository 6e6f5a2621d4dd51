from restart_desktop.cli import module_main

module_main()
