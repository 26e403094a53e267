"""The GraphQL API: the only layer that imports strawberry."""
