"""What the docs' snippets may assume (``<!-- test: prelude=NAME -->``): each file is run before the snippet."""
