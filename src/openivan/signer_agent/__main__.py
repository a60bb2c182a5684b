import sys

from openivan.signer_agent.main import main

sys.exit(main())
