"""The Bookstore's vocabulary of faults and playbook actions: one list that both of its
drivers (``lab`` and ``aws``) implement and are tested against."""

FAULTS = (
    "api-crash",
    "api-instance-lost",
    "db-crash",
    "db-lost",
    "cdn-bucket-deleted",
    "cdn-objects-removed",
)

ACTIONS = (
    "http_check",
    "db_check",
    "restart_app",
    "restart_instance",
    "launch_replacement",
    "describe_instances",
    "update_dns",
    "db_restart",
    "db_launch_replica",
    "db_restore_snapshot",
    "cdn_verify",
    "cdn_recreate_bucket",
    "cdn_upload_static",
)
