"""Helpers the codemods share (imports, logging calls, SQL, shell, templates...); no codemod of its
own.
"""
