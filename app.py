"""Entry point: the language switch and the navigation between the app's pages."""

from signlang import ui


def main() -> None:
    t = ui.setup_app()
    ui.navigation(t).run()


main()
