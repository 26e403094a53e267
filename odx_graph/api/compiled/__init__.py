"""The compiled path: a read-only GraphQL query made only of mapped fields becomes one SQL
statement whose result is the response body. Everything else, and every error, is served
by the resolver path (strawberry resolvers with DataLoaders), which stays the reference."""
