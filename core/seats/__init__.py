"""Mentors and their seats: who holds a seat with whom, and finding the seat a command acts on."""
