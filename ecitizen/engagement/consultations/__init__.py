"""Consultations and standalone surveys: questions from the services' form engine, responses,
passage comments, results and outcomes."""
