import Mustache

/// The templates every office app shares, embedded in the binary (no file to install, nothing
/// fetched from the internet): the layout with its banner slot and navigation, the login page,
/// and the error page. An app registers its own pages with ``OfficePages/register(_:named:)``.
///
/// Text is Vietnamese with precomposed (NFC) diacritics; the style is inline.
enum OfficeTemplates {
    static let layout = """
        <!doctype html>
        <html lang="vi"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} — {{appName}}</title>
        <style>\(style)</style></head>
        <body>
        <header class="top"><div class="app">{{appName}}</div>
        {{#user}}<nav>{{#nav}}<a href="{{href}}"{{#active}} class="active"{{/active}}>{{label}}</a>{{/nav}}</nav>
        <form method="post" action="{{logoutPath}}" class="who"><span>{{user}} · {{roleLabel}}</span>
        <input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Đăng xuất</button></form>{{/user}}
        </header>
        {{#banner}}<div class="banner">{{{banner}}}</div>{{/banner}}
        <main>
        {{#flash}}<p class="flash">{{flash}}</p>{{/flash}}
        {{{content}}}
        </main>
        </body></html>
        """

    static let login = """
        <section class="login"><h1>Đăng nhập</h1>
        {{#message}}<p class="error" id="login-error">{{message}}</p>{{/message}}
        <form method="post" action="{{loginPath}}">
        <input type="hidden" name="next" value="{{next}}">
        <label>Tên đăng nhập <input name="username" id="username" autocomplete="username" required value="{{username}}"></label>
        <label>Mật khẩu <input type="password" name="password" id="password" autocomplete="current-password" required></label>
        <button type="submit" id="login">Đăng nhập</button>
        </form></section>
        """

    static let error = """
        <section class="error-page"><h1>{{title}}</h1><p id="error-message">{{message}}</p>
        <p><a href="{{home}}">Về trang chính</a></p></section>
        """

    static let style = """
        *{box-sizing:border-box}body{margin:0;font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;font-size:15px;color:#1d2733;background:#f4f6f8}
        .top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding:8px 16px;background:#8b1a1a;color:#fff}
        .top .app{font-weight:bold}.top nav{display:flex;flex-wrap:wrap;gap:4px 12px;flex:1}
        .top a{color:#fff;text-decoration:none;padding:2px 4px}.top a.active{border-bottom:2px solid #ffd54f}
        .who{display:flex;gap:8px;align-items:center;margin:0}.who button{background:none;border:1px solid #fff;color:#fff;border-radius:3px;padding:2px 8px;cursor:pointer}
        .banner{display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center;padding:6px 16px;background:#fff8e1;border-bottom:1px solid #e0c97a;font-size:14px}
        .banner .offline{color:#b71c1c;font-weight:bold}.banner form{margin:0}
        main{max-width:1200px;margin:0 auto;padding:12px 16px}
        h1{font-size:22px;margin:8px 0 12px}h2{font-size:18px;margin:18px 0 8px}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d5dbe1;padding:5px 7px;text-align:left;vertical-align:top}
        th{background:#eef1f4}td.num,th.num{text-align:right;white-space:nowrap}
        tr.field td{background:#e8eef7;font-weight:bold}tr.sub td:first-child{padding-left:22px}
        input,textarea,select{font:inherit;padding:4px 6px;border:1px solid #9aa5b1;border-radius:3px;max-width:100%}
        input.score{width:5.5em}textarea{width:100%;min-height:2.4em}
        button,.button{font:inherit;padding:5px 12px;border-radius:3px;border:1px solid #8b1a1a;background:#8b1a1a;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
        button.secondary,.button.secondary{background:#fff;color:#8b1a1a}
        .error{color:#b71c1c;font-weight:bold}.field-error{color:#b71c1c;font-size:13px;display:block}.flash{background:#e8f5e9;border:1px solid #a5d6a7;padding:6px 10px}
        .login{max-width:360px;margin:40px auto;background:#fff;padding:20px;border:1px solid #d5dbe1;border-radius:4px}
        .login label{display:block;margin:10px 0}.login input{width:100%}
        .muted{color:#5f6b77;font-size:13px}form.inline{display:inline}button.small{padding:1px 6px;font-size:13px}
        ul.files{list-style:none;margin:4px 0;padding:0;font-size:13px}ul.files li{margin:2px 0}.upload input[type=file]{max-width:150px;font-size:12px}.missing{background:#fff3e0}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #d5dbe1;border-radius:4px;padding:8px 12px;min-width:160px}
        @media (max-width:640px){table.responsive thead{display:none}table.responsive tr{display:block;border-bottom:2px solid #d5dbe1}
        table.responsive td{display:block;border:none;border-bottom:1px solid #eef1f4}table.responsive td.num{text-align:left}}
        @media print{.top,.banner,form,button{display:none}body{background:#fff}}
        """
}
