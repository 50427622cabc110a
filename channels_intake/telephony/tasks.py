from celery import shared_task

from .services import fax_previews_render


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def fax_previews(self, fax_id: int) -> int:
    """PNG previews of each page; running it twice renders nothing new."""
    return fax_previews_render(fax_id=fax_id)
