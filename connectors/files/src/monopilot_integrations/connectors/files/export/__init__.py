"""Export jobs: requests, the job that writes the file, downloads and expiry."""
