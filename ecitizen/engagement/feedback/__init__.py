"""The satisfaction question after every completed transaction, and satisfaction per service and month."""
