import aviv_caas_auth
import aviv_caas_client


def test_both_packages_import() -> None:
    assert aviv_caas_client.AuthenticatedClient is not None
    assert aviv_caas_auth.__version__
