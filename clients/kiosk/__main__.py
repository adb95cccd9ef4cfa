"""`python -m clients.kiosk` runs the kiosk, as `rapport-kiosk` does."""

from clients.kiosk.app import main

main()
