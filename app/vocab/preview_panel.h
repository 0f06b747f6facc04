// The Vocabulary page's preview (vocab.preview's answer): tokens and fertility of the would-be
// merged tokenizer against the base on a sample of the corpus, and a token inspector: the text
// the person types (or the sample sentence) with coloured token boundaries under the base and
// under the merged tokenizer, ids on hover.
#pragma once

#include <QWidget>
#include <nlohmann/json.hpp>

class QLabel;
class QLineEdit;
class QTextBrowser;

namespace glossa::app {

class PreviewPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PreviewPanel(QWidget* parent = nullptr);

  QString text() const;  // the text to inspect
  void set_text(const QString& text);
  void show_result(const nlohmann::json& result);
  void show_waiting(const QString& message);
  QString summary() const;
  QString inspected_html() const;  // both rows, as shown

  // Token spans ([[id, piece, begin, end]], byte offsets into text) as HTML: alternating
  // backgrounds, the id and piece as the tooltip (title).
  static QString spans_html(const QByteArray& text, const nlohmann::json& spans);

 Q_SIGNALS:
  void textEdited();

 private:
  QLabel* summary_;
  QLineEdit* input_;
  QTextBrowser* view_;
};

}  // namespace glossa::app
