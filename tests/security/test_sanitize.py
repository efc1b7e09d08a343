"""Rich text keeps only harmless markup."""

from accounts.security.sanitize import clean_html


def test_scripts_handlers_and_javascript_links_are_removed():
    dirty = (
        '<p onclick="steal()">Case <strong>tracking</strong> <em>tool</em>'
        '<script>alert(1)</script><img src=x onerror="alert(1)">'
        '<a href="javascript:alert(1)">click</a></p>'
    )

    clean = clean_html(dirty)

    assert "<script" not in clean and "alert(1)" not in clean
    assert "onclick" not in clean and "onerror" not in clean and "<img" not in clean
    assert "javascript:" not in clean
    assert "<strong>tracking</strong>" in clean and "<em>tool</em>" in clean


def test_links_keep_their_address_and_open_without_the_opener():
    clean = clean_html('<a href="https://example.org/tool" target="_blank" style="x">site</a>')

    assert 'href="https://example.org/tool"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
    assert "target" not in clean and "style" not in clean


def test_lists_and_paragraphs_survive():
    html = "<ul><li>one</li><li>two</li></ul><ol><li>a</li></ol><p>x<br>y</p>"

    assert clean_html(html) == html


def test_empty_input_is_an_empty_string():
    assert clean_html(None) == ""
    assert clean_html("") == ""
