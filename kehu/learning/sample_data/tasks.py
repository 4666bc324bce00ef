from django_tasks import task

from kehu.learning.sample_data import services


@task()
def load_sample_data(load_id: int) -> None:
    """Fill the empty instance with the sample data (kehu/demo), in one transaction."""
    services.run(load_id)
