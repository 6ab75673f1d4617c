"""What the system is: the files of a system folder, read into typed models and checked."""
