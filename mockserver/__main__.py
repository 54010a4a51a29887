from mockserver._adapters.cli import main

raise SystemExit(main())
