from mockserver._cli.main import main

raise SystemExit(main())
