"""Modal screens of the review: help, sign-off confirmation, filter, text editors."""
