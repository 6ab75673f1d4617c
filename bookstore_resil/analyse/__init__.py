"""What breaks when something fails: the dependency graph, the people to call, the sign-offs."""
