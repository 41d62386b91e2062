"""Mailbox transports: a local folder and SFTP, with one layout and claim rule."""
