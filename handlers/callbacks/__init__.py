"""Other platforms calling us (WeChat's servers, the card platform): each proves itself by its signature."""

from handlers.callbacks import card, wechat

routes = [*wechat.routes, *card.routes]
