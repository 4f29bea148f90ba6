# Tests of this area (issue 3).
