"""How checking a workbook of a class ends: it passed, it failed, or it could not be checked."""

PASS, FAIL, COULD_NOT_CHECK = "pass", "fail", "could not check"
