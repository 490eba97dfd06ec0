"""A method whose build fails inside the run (after every up-front check passed): the grid must
record the failure and go on (tests/test_cli.py)."""

from peftbench.methods import Method, register


def build(model, loaded, params):
    raise RuntimeError("exploding_method: this method always fails while it is built")


register(
    Method(
        name="exploding",
        family="reparameterised",
        provider="peft",
        description="fails in build (a test plugin)",
        build=build,
        preset={"learning_rate": 1e-4},
        mergeable=False,
        identity_at_init=True,
    )
)
